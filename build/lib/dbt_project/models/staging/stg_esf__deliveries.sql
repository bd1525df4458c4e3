with

source as (

    select * from {{ source('esf', 'deliveries') }}

),

renamed as (

    select
        cast(provider_id as varchar) as provider_id,
        cast(extract_type as varchar) as extract_type,
        cast(reporting_month as varchar) as reporting_month,
        cast(sha256 as varchar) as file_sha256,
        cast(file_name as varchar) as file_name,
        cast(arrived_at as timestamp) as arrived_at,
        cast(processed_at as timestamp) as processed_at,
        cast(status as varchar) as status,
        cast(row_count as integer) as row_count,
        cast(error_count as integer) as error_count,
        cast(warning_count as integer) as warning_count,
        cast(incomplete_count as integer) as incomplete_count,
        cast(archive_path as varchar) as archive_path,
        cast(quarantine_path as varchar) as quarantine_path,
        cast(summary_de as varchar) as summary_de,
        cast(summary_en as varchar) as summary_en

    from source

)

select * from renamed
