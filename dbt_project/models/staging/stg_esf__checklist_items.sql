with

source as (

    select * from {{ source('esf', 'checklist_items') }}

),

renamed as (

    select
        cast(item_id as varchar) as item_id,
        cast(item_order as integer) as item_order,
        cast(section as varchar) as section,
        cast(section_title_de as varchar) as section_title_de,
        cast(section_title_en as varchar) as section_title_en,
        cast(item_text_de as varchar) as item_text_de,
        cast(item_text_en as varchar) as item_text_en,
        cast(asks_responsibility as boolean) as asks_responsibility,
        cast(first_wave as varchar) as first_wave,
        cast(last_wave as varchar) as last_wave,

        cast(_file_sha256 as varchar) as file_sha256,
        cast(_loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
